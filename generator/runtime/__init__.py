"""What runs a model in the cluster, and whether it can load and answer: runtime profiles,
static compatibility rules, and the real serve check (MLServer on 127.0.0.1)."""
