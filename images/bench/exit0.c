/* What the fork+exec+wait benchmark execs on Nymph: the smallest libc-shim program. */
int main(void) { return 0; }
