/*
 * The valid program `cargo xtask fuzz-exec` mutates, built for every ABI of the suite:
 * it exits 7, so an unmutated copy proves the images run and report as expected.
 */
int main(void)
{
	return 7;
}
