"""Names shared by whoever launches runs (`pcp refresh`, sensors) and the runs themselves: the
build job's name and the tags a run carries. Importing this loads no definitions."""

BUILD_JOB_NAME = "build_warehouse"
# Who asked for the run: "pcp refresh", "landing sensor", "build sensor", "dagster" (the UI).
TRIGGER_TAG = "pcp/trigger"
# Why a build was due (from the build ledger), shown on the run in the UI.
BUILD_REASON_TAG = "pcp/build_reason"
# "true" on a build run asks for every model to be rebuilt (`pcp refresh --full-build`), not
# only what new deliveries feed (publication/build_scope.py).
FULL_BUILD_TAG = "pcp/full_build"
