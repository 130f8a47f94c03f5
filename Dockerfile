# The platform's own image, for docker-compose. It is built FROM the locally built stack image (there is
# no registry) and from this repository already installed and built on the host (./scripts/up.sh does
# both), so building it needs no network.
ARG STACK_IMAGE
FROM ${STACK_IMAGE}
USER root
WORKDIR /opt/paas
COPY . /opt/paas
ENV NODE_ENV=production PAAS_DATA_DIR=/var/lib/paas
CMD ["node", "apps/paasd/dist/main.js"]
