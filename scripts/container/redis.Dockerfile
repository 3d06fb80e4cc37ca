# A local stand-in for the official redis:7-bookworm image, for machines that cannot reach an image
# registry: Debian bookworm's redis-server (7.0), built on the stand-in Debian root file system.
ARG BASE
FROM ${BASE}
RUN apt-get update \
 && apt-get install -y --no-install-recommends redis-server \
 && rm -rf /var/lib/apt/lists/* \
 && mkdir /data && chown redis:redis /data \
 && redis-server --version
WORKDIR /data
USER redis
EXPOSE 6379
LABEL org.smc-waves.stand-in="redis"
CMD ["redis-server"]
