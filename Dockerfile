# The release image, built by GoReleaser (.goreleaser.yaml, dockers_v2)
# from the binaries it built: nothing is compiled here. GoReleaser lays
# each platform's binary out as $TARGETPLATFORM/hogsync in the context.
#
# distroless's static base: CA certificates, tzdata and /etc/passwd's
# nonroot user, no package manager. The debug variant adds busybox's sh,
# without which GitLab CI's docker executor cannot run a job's script
# (docs/gitlab-ci.md); hogsync itself needs none of it.
FROM gcr.io/distroless/static-debian12:debug-nonroot
ARG TARGETPLATFORM
COPY $TARGETPLATFORM/hogsync /usr/local/bin/hogsync
USER nonroot:nonroot
ENTRYPOINT ["/usr/local/bin/hogsync"]
CMD ["--help"]
