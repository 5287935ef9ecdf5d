/*
 * The ELF note that marks a binary as native and names the ABI version it was
 * built for (native-v1.json, `recognition`). Linked into every program, next to crt0.
 */
#include <_nymph_abi.h>

struct nymph_abi_note {
	uint32_t namesz, descsz, type;
	char name[8];
	uint32_t version;
};

__attribute__((used, section(".note.nymph.abi"), aligned(4)))
static const struct nymph_abi_note nymph_abi_note = {
	6, 4, NT_NYMPH_ABI, "Nymph", NYMPH_ABI_VERSION,
};
