# The demo's business container (examples/demo/app.mjs): a legacy API that knows nothing of the
# sidecars. The pod test and `npm run demo -- --pod` run it beside the outrigger image.
ARG BASE_IMAGE=docker.io/library/node:24-slim
FROM ${BASE_IMAGE}
LABEL org.opencontainers.image.title="outrigger-demo-app" \
      org.opencontainers.image.description="The Outrigger demo's legacy app (API version 2023-01-01)" \
      org.opencontainers.image.licenses="Apache-2.0"
COPY examples/demo/app.mjs examples/kubernetes/podman/payments.mjs /opt/app/
USER 65534:65534
STOPSIGNAL SIGTERM
ENTRYPOINT ["node", "/opt/app/app.mjs"]
