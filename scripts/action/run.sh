#!/usr/bin/env bash
# The action's run step: one model-gitops command, its Markdown in the job summary, its exit code
# (and, for a plan, whether anything would change) in the step outputs.
#   COMMAND      sync | plan | validate | serve-check
#   ENVIRONMENT  only this environment (empty: all)
#   PUSH         sync: true to push;  DRY_RUN  sync: true to plan only
#   TRACKING_URI the MLflow server (empty: MLFLOW_TRACKING_URI as set)
#   EXTRA_ARGS   more arguments, space-separated
#   MODELS       sync and plan: a JSON list of model names, each passed as --model (empty: all)
set -uo pipefail
summary="${GITHUB_STEP_SUMMARY:-/dev/null}"
output="${GITHUB_OUTPUT:-/dev/null}"
if [ -n "${TRACKING_URI:-}" ]; then export MLFLOW_TRACKING_URI="$TRACKING_URI"; fi
args=()
if [ -n "${ENVIRONMENT:-}" ]; then args+=(--env "$ENVIRONMENT"); fi
read -r -a extra <<< "${EXTRA_ARGS:-}"
args+=("${extra[@]}")
scope=()  # names go through NUL-separated argv, never through the shell's word splitting
if [ -n "${MODELS:-}" ] && [ "${MODELS}" != "[]" ]; then
  names='import json, sys
names = json.loads(sys.argv[1])
if not isinstance(names, list) or not all(isinstance(n, str) and n and "\0" not in n for n in names):
    sys.exit(1)
sys.stdout.write("".join(f"{n}\0" for n in names))'
  if ! python3 -c "$names" "$MODELS" > /dev/null 2>&1; then
    echo "::error::the models input is not a JSON list of model names: ${MODELS}"
    exit 1
  fi
  while IFS= read -r -d '' name; do scope+=(--model "$name"); done < <(python3 -c "$names" "$MODELS")
fi

markdown() {  # run model-gitops with Markdown output, copied into the job summary
  model-gitops "$@" | tee -a "$summary"
  return "${PIPESTATUS[0]}"
}

case "${COMMAND:-sync}" in
  sync)
    if [ "${DRY_RUN:-false}" = true ]; then
      printf '## model-gitops sync (dry run): the plan\n\n' >> "$summary"
      markdown plan --format markdown --diff --detailed-exitcode "${args[@]}" "${scope[@]}"
    elif [ "${PUSH:-true}" = true ]; then
      model-gitops sync --push --summary "$summary" "${args[@]}" "${scope[@]}"
    else
      model-gitops sync --summary "$summary" "${args[@]}" "${scope[@]}"
    fi
    ;;
  plan) markdown plan --format markdown --diff --detailed-exitcode "${args[@]}" "${scope[@]}" ;;
  serve-check) markdown serve-check --format markdown "${args[@]}" ;;
  validate)
    printf '## model-gitops validate\n\n' >> "$summary"
    model-gitops validate "${args[@]}" | tee -a "$summary"
    (exit "${PIPESTATUS[0]}")
    ;;
  *)
    echo "::error::unknown command '${COMMAND}': use sync, plan, validate or serve-check"
    exit 1
    ;;
esac
code=$?
echo "exit-code=$code" >> "$output"
if [ "${COMMAND:-sync}" = plan ] || [ "${DRY_RUN:-false}" = true ]; then
  if [ "$code" = 2 ]; then echo "changes=true" >> "$output"; else echo "changes=false" >> "$output"; fi
  if [ "$code" = 2 ]; then code=0; fi  # changes pending is not a failure
fi
if [ "$code" != 0 ]; then
  printf '\n**model-gitops %s failed (exit %s)**: the step log has the reason.\n' "${COMMAND:-sync}" "$code" >> "$summary"
fi
exit "$code"
