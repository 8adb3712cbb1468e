"""One run of the job, end to end: read the sources, plan, render and validate, then deliver.

`job` is the sync itself, `pipeline` its checked middle (artifact checks, validation with
per-model quarantine), `traffic` the outside-world side of rollouts (snapshot, readings, clock,
holds), and where Argo CD reads the rendered tree is `generator.delivery.argocd_source`.
"""
