"""Validate rendered files before anything reaches Git: admission rules, CRD schemas (converted
by `crdschema`), `kubectl kustomize`, `kubeconform -strict`, promtool and monitoring checks.
`runner` ties them up; `tools` and `promtool` are the only modules that run external commands."""
