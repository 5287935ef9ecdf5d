/* uname: prints system names: -s (the default), -n, -r, -v, -m; -a for all. */
#include <stdio.h>
#include <string.h>

int main(int argc, char **argv)
{
	static const char order[] = "snrvm";
	int want[5] = {0}, any = 0;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (a[0] != '-' || !a[1])
			goto usage;
		for (a++; *a; a++) {
			const char *at = strchr(order, *a);
			if (*a == 'a')
				for (int k = 0; k < 5; k++)
					want[k] = 1;
			else if (at && *a)
				want[at - order] = 1;
			else
				goto usage;
			any = 1;
		}
	}
	if (!any)
		want[0] = 1;
	struct utsname u;
	if (uname(&u) < 0) {
		perror("uname");
		return 1;
	}
	const char *fields[] = {(char *)u.sysname, (char *)u.nodename, (char *)u.release,
				(char *)u.version, (char *)u.machine};
	int first = 1;
	for (int k = 0; k < 5; k++) {
		if (!want[k])
			continue;
		printf("%s%s", first ? "" : " ", fields[k]);
		first = 0;
	}
	printf("\n");
	return 0;
usage:
	dprintf(2, "usage: uname [-asnrvm]\n");
	return 1;
}
