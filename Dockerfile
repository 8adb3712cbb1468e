# syntax=docker/dockerfile:1
# model-gitops: the CLI with every tool it runs (git, kubectl for `kubectl kustomize`, kubeconform,
# promtool), as a non-root user. Entry point: the `model-gitops` console script.
#
#   docker build --build-arg VERSION=0.1.0 -t model-gitops:0.1.0 .
#   docker run --rm -v "$PWD:/work" -e MLFLOW_TRACKING_URI model-gitops:0.1.0 plan
#
# Base images are pinned by tag (no digest could be looked up where this file was written); a
# release build records the digests it used in the image's provenance. VERSION sets the package
# version (setuptools-scm reads no Git metadata here: .git is not in the build context).

ARG PYTHON_IMAGE=python:3.12-slim-bookworm

# kubeconform from its Go module (checked against the Go checksum database), statically linked.
FROM golang:1.24-bookworm AS kubeconform
ARG KUBECONFORM_VERSION=v0.7.0
RUN CGO_ENABLED=0 GOBIN=/out go install "github.com/yannh/kubeconform/cmd/kubeconform@${KUBECONFORM_VERSION}"

# kubectl (with its built-in kustomize), verified against the published SHA-256.
FROM ${PYTHON_IMAGE} AS kubectl
ARG KUBECTL_VERSION=v1.32.4
ARG TARGETARCH
SHELL ["/bin/bash", "-o", "pipefail", "-c"]
# hadolint ignore=DL3008
RUN apt-get update \
 && apt-get install -y --no-install-recommends curl ca-certificates \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /out
RUN url="https://dl.k8s.io/release/${KUBECTL_VERSION}/bin/linux/${TARGETARCH:-amd64}/kubectl" \
 && curl -fsSLo kubectl "${url}" \
 && echo "$(curl -fsSL "${url}.sha256")  kubectl" | sha256sum --check --strict \
 && chmod 0755 kubectl

# promtool, from the Prometheus release image.
FROM prom/prometheus:v3.5.0 AS prometheus

# The wheel, versioned from the VERSION build argument (or pyproject's fallback version).
FROM ${PYTHON_IMAGE} AS wheel
ARG VERSION=""
WORKDIR /src
COPY pyproject.toml README.md LICENSE CHANGELOG.md ./
COPY generator ./generator
RUN if [ -n "${VERSION}" ]; then export SETUPTOOLS_SCM_PRETEND_VERSION_FOR_MODEL_GITOPS="${VERSION}"; fi \
 && pip wheel --no-cache-dir --no-deps --wheel-dir /wheels .

FROM ${PYTHON_IMAGE}
ARG VERSION=""
LABEL org.opencontainers.image.title="model-gitops" \
      org.opencontainers.image.description="MLflow Model Registry -> validated Seldon Core manifests in Git" \
      org.opencontainers.image.source="https://github.com/model-gitops/model-gitops" \
      org.opencontainers.image.licenses="Apache-2.0" \
      org.opencontainers.image.version="${VERSION}"
# git (and ssh for ssh:// remotes) for the GitOps repository; tini reaps git's children.
# hadolint ignore=DL3008
RUN apt-get update \
 && apt-get install -y --no-install-recommends git openssh-client tini \
 && rm -rf /var/lib/apt/lists/* \
 && git config --system --add safe.directory '*' \
 && useradd --uid 10001 --user-group --create-home --home-dir /home/model-gitops --shell /usr/sbin/nologin model-gitops
COPY --from=kubeconform /out/kubeconform /usr/local/bin/kubeconform
COPY --from=kubectl /out/kubectl /usr/local/bin/kubectl
COPY --from=prometheus /bin/promtool /usr/local/bin/promtool
COPY --from=wheel /wheels /wheels
RUN pip install --no-cache-dir /wheels/*.whl \
 && rm -rf /wheels \
 && model-gitops --version
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    HOME=/home/model-gitops
USER 10001:10001
WORKDIR /work
ENTRYPOINT ["/usr/bin/tini", "--", "model-gitops"]
CMD ["--help"]
