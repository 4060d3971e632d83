"""dbt models as assets: each model, seed and snapshot of `dbt/` is one asset."""

from collections.abc import Mapping
from typing import Any

import dagster as dg
from dagster_dbt import DagsterDbtTranslator, DbtCliResource, dbt_assets

from dagster_project.dbt_project import dbt_project
from dagster_project.resources import Warehouse

EXCLUDE_UNIT_TESTS = ("--exclude-resource-type", "unit_test")


class EnergiaTranslator(DagsterDbtTranslator):
    """Keys follow the warehouse: `raw/<table>` for sources, `<schema>/<model>` for the rest."""

    def get_asset_key(self, dbt_resource_props: Mapping[str, Any]) -> dg.AssetKey:
        if dbt_resource_props["resource_type"] == "source":
            return dg.AssetKey(["raw", dbt_resource_props["name"]])
        schema = dbt_resource_props.get("config", {}).get("schema") or "main"
        return dg.AssetKey([schema, dbt_resource_props["name"]])

    def get_group_name(self, dbt_resource_props: Mapping[str, Any]) -> str | None:
        # folder-level grouping: staging, intermediate, marts, reports, seeds
        fqn = dbt_resource_props.get("fqn", [])
        if dbt_resource_props["resource_type"] == "seed":
            return "reference"
        return fqn[1] if len(fqn) > 2 else "dbt"


@dbt_assets(
    manifest=dbt_project.manifest_path,
    project=dbt_project,
    dagster_dbt_translator=EnergiaTranslator(),
)
def dbt_models(context: dg.AssetExecutionContext, dbt: DbtCliResource, warehouse: Warehouse):
    warehouse.export_for_dbt()
    # unit tests check the models' logic on fixed inputs, not the day's data: `make test` runs
    # them (tests/dbt), the daily load runs the models and their data tests
    yield from dbt.cli(["build", *EXCLUDE_UNIT_TESTS], context=context).stream()
