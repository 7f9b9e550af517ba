# hpac's image: built on Debian 12, run on Debian 12 slim with only the
# shared libraries the binary links (curl, jansson, yajl, libev, libyaml,
# libmicrohttpd, jemalloc) and CA certificates, as an unprivileged user.
#   docker build -t REGISTRY/hpac:0.1.0 .

FROM debian:12 AS build
# The build half of scripts/install-deps.sh (the test tools are left out).
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      build-essential cmake pkg-config \
      libcurl4-openssl-dev libjansson-dev libyajl-dev libev-dev libyaml-dev libmicrohttpd-dev \
      libjemalloc-dev \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
# The sources CMake configures (.dockerignore leaves out the rest).
COPY . .
RUN cmake -S . -B build -DHPAC_TESTS=OFF -DCMAKE_BUILD_TYPE=Release \
 && cmake --build build --target hpac -j"$(nproc)" \
 && install -D -s -m 0755 build/hpac /out/hpac \
 && /out/hpac --version

FROM debian:12-slim
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      libcurl4 libjansson4 libyajl2 libev4 libyaml-0-2 libmicrohttpd12 libjemalloc2 \
      ca-certificates \
 && rm -rf /var/lib/apt/lists/*
COPY --from=build /out/hpac /usr/local/bin/hpac
USER 65532:65532
EXPOSE 8080
ENTRYPOINT ["/usr/local/bin/hpac"]
