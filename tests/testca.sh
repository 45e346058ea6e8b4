#!/bin/bash
# testca.sh DIR — a throw-away certificate authority for TLS tests.
#
# Writes into DIR (created if missing), with the openssl CLI:
#   ca.pem, ca.key          a self-signed test CA ("casemail test CA")
#   server.pem, server.key  a server certificate signed by it, for
#                           DNS:localhost and IP:127.0.0.1 (serverAuth)
#   other-ca.pem            a second, unrelated CA (for "wrong CA" tests)
# Keys are ECDSA P-256 (fast to make); certificates are valid from now
# for ten years. Idempotent: an existing complete set is kept.
# Exit status non-zero, with openssl's message on stderr, on failure.
set -eu

dir=${1:?usage: testca.sh DIR}
mkdir -p "$dir"
cd "$dir"
if [ -s ca.pem ] && [ -s server.pem ] && [ -s server.key ] && [ -s other-ca.pem ]; then
	exit 0
fi

command -v openssl >/dev/null || { echo "testca.sh: openssl not installed" >&2; exit 1; }
umask 077
key() { openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1" 2>/dev/null; }

cat >ca.cnf <<'EOF'
[req]
distinguished_name = dn
prompt = no
[dn]
CN = casemail test CA
[v3_ca]
basicConstraints = critical, CA:TRUE
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
[v3_server]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature, keyEncipherment
extendedKeyUsage = serverAuth
subjectAltName = DNS:localhost, IP:127.0.0.1
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
EOF

key ca.key
openssl req -new -x509 -config ca.cnf -extensions v3_ca -key ca.key \
	-days 3650 -out ca.pem -subj "/CN=casemail test CA" 2>/dev/null

key server.key
openssl req -new -config ca.cnf -key server.key -out server.csr -subj "/CN=localhost" 2>/dev/null
openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial \
	-extfile ca.cnf -extensions v3_server -days 3650 -out server.pem 2>/dev/null

key other-ca.key
openssl req -new -x509 -config ca.cnf -extensions v3_ca -key other-ca.key \
	-days 3650 -out other-ca.pem -subj "/CN=casemail other CA" 2>/dev/null

rm -f server.csr ca.srl
chmod 644 ca.pem server.pem other-ca.pem
