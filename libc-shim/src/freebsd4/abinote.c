/*
 * The FreeBSD ABI tag that 4.x crt1 carries (crtbrand): a `.note.ABI-tag` note,
 * name "FreeBSD", type ABI_NOTETYPE (1), desc __FreeBSD_version (480101). The 4.x
 * kernel does not read it (it brands by EI_OSABI, which xtask sets after linking);
 * it is here so the binaries look like what 4.x toolchains made. Linked into every
 * program, next to crt0.
 */
#include <_nymph_abi.h>

struct freebsd_abi_note {
	uint32_t namesz, descsz, type;
	char name[8];
	uint32_t desc;
};

__attribute__((used, section(".note.ABI-tag"), aligned(4)))
static const struct freebsd_abi_note freebsd_abi_note = {
	8, 4, ABI_NOTETYPE, "FreeBSD", __FreeBSD_version,
};
