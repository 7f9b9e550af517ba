/* hpac: entry point. Flags, wiring, signals and teardown live here; the
 * logic lives in lib/. */
#include <stdio.h>
#include <string.h>

int main(int argc, char **argv)
{
    if (argc > 1 && strcmp(argv[1], "--version") == 0) {
        printf("hpac %s\n", HPAC_VERSION);
        return 0;
    }
    fprintf(stderr, "hpac: the controller is not wired yet\n");
    return 1;
}
