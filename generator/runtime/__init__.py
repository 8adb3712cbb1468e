"""The real serve check: load a model version in a real MLServer of its runtime on 127.0.0.1 and
send it its input example. (Runtime profiles are plain data in `generator.model.runtime`; the
static compatibility rules are `generator.plan.compat`.)"""
