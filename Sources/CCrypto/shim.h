#ifndef RISKCENSUS_CCRYPTO_SHIM_H
#define RISKCENSUS_CCRYPTO_SHIM_H
#include <openssl/evp.h>
#endif
