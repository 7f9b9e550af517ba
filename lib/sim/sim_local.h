/* Pointing a client at the simulated server: a bearer token for it and a
 * kubeconfig in a private temporary directory (the demo, the tests). */
#ifndef HPAC_SIM_LOCAL_H
#define HPAC_SIM_LOCAL_H

#include <stddef.h>
#include <stdint.h>

#define HPAC_SIM_TOKEN_HEX 32

/* HPAC_SIM_TOKEN_HEX hex digits from /dev/urandom (or, failing that, the
 * clocks and the pid: the server is on loopback for a minute). `buf` holds
 * at least HPAC_SIM_TOKEN_HEX + 1 bytes. */
void hpac_sim_token(char *buf);

/* A kubeconfig for http://127.0.0.1:port with `token`, in a new directory
 * under $TMPDIR (else /tmp), readable by the user only. Returns the
 * file's path (caller frees with hpac_sim_kubeconfig_remove, which also
 * removes the directory), or NULL with err. */
char *hpac_sim_kubeconfig_write(uint16_t port, const char *token, char *err, size_t errsize);
void hpac_sim_kubeconfig_remove(char *path);

#endif
