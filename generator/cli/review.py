"""The review commands: ``template`` (generate), ``check`` (the gate), ``diff`` (the plan), ``lint``
(cfn-lint's formats) and ``scan`` (the security scanners). None of them imports boto3."""

from __future__ import annotations

import time
from pathlib import Path

import click

from generator.cli.base import (
    PlanCommand,
    cloud_for,
    envs_option,
    find_workspace,
    fleets_option,
    load_all,
    load_envs,
    templates_option,
)
from generator.console import echo, styled
from generator.errors import UsageError

DIFF_FORMATS = ("table", "markdown", "json")  # generator.review.plan_format.FORMATS
LINT_FORMATS = ("text", "json", "sarif")  # generator.lint_report.FORMATS


@click.command()
@click.option("--env", "envs", multiple=True, metavar="NAME", help="Environment to build (repeatable; default: all).")
@fleets_option
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Folder the <env>.json and <env>.md files go to (default: the project's templates/).")  # fmt: skip
@click.option("--no-lint", is_flag=True, help="Skip cfn-lint (faster; for experiments, not for review).")
def template(envs: tuple[str, ...], fleets: tuple[str, ...], out_dir: Path | None, no_lint: bool) -> None:
    """Generate, lint and write templates/<env>.json (and its picture <env>.md) for each environment,
    and templates/fleet-<fleet>.json (.md) for each fleet.

    All files or none: nothing is written unless every template is clean and every file can be
    written; a failure leaves every previous file as it was.
    """
    from generator.errors import LintError
    from generator.generate import generate, summary

    started = time.perf_counter()
    workspace = find_workspace(out_dir, existing=False)
    try:
        chosen, fleet_list = load_all(workspace, envs, fleets)
        results = generate(chosen, workspace, lint=not no_lint, bootstrap=not (envs or fleets), fleets=fleet_list)
    except LintError as error:
        echo(summary(error.results, workspace), err=True)
        raise
    echo(summary(results, workspace))
    changed = sum(r.file == "written" for r in results)
    echo(f"{len(results)} template(s), {changed} changed, in {time.perf_counter() - started:.2f} s")


BASE_HELP = ("Compare with templates/<env>.json at this git revision (default: the merge base with origin/main "
             "or main, else HEAD; in CI a missing merge base is an error).")  # fmt: skip


@click.command()
@envs_option
@fleets_option
@click.option("--base", default=None, metavar="GIT_REF", help=BASE_HELP)
@click.option("--skip-plan", is_flag=True,
              help="Check without the plan against the base (e.g. no git here), on purpose; the output says so."
              )  # fmt: skip
@templates_option
def check(envs: tuple[str, ...], fleets: tuple[str, ...], base: str | None, skip_plan: bool,
          templates_dir: Path | None) -> None:  # fmt: skip
    """The review gate: committed templates current, cfn-lint clean, policy rules clean, and the plan
    against the base of the change neither predicts a failed deploy nor puts data at stake, where an
    environment keeps it, without an approval in approvals.toml. A plan that cannot be made (no git)
    fails, unless --skip-plan says to go without it.

    \b
    Exit codes: 0 all good, 1 a problem (each is listed with what to do), 2 bad usage.
    """
    from generator.review.check import check as run_check
    from generator.rules import RULES

    if skip_plan and base:
        raise UsageError("--skip-plan skips the plan that --base is the base of: give one of them")
    started = time.perf_counter()
    workspace = find_workspace(templates_dir)
    chosen, fleet_list = load_all(workspace, envs, fleets)
    report = run_check(chosen, workspace, every=not (envs or fleets), base=base, planned=not skip_plan,
                       fleets=fleet_list)  # fmt: skip
    for note in report.notes:
        echo(note)
    plan = "plan SKIPPED" if skip_plan else f"the plan against {report.base} clean"
    echo(f"check passed: {len(report.names)} template(s) ({', '.join(report.names)}): templates and pictures "
         f"current, cfn-lint and {len(RULES)} policy rules clean, {plan}, in {time.perf_counter() - started:.2f} s"
         )  # fmt: skip


@click.command(cls=PlanCommand)
@envs_option
@fleets_option
@click.option("--base", default=None, metavar="GIT_REF", help=BASE_HELP)
@click.option("--deployed", is_flag=True,
              help="Compare with the template of the deployed stack instead (AWS credentials needed).")  # fmt: skip
@click.option("--format", "fmt", type=click.Choice(DIFF_FORMATS), default="table", show_default=True,
              help="table for a terminal, markdown for a pull-request comment, json for machines.")  # fmt: skip
@templates_option
def diff(envs: tuple[str, ...], fleets: tuple[str, ...], base: str | None, deployed: bool, fmt: str,
         templates_dir: Path | None) -> None:  # fmt: skip
    """What deploying the generated templates would do, compared with --base (default: the merge
    base with the main branch) or --deployed.

    Resource by resource: added, removed, modified (changed paths, before and after, secrets
    masked), and whether each modification replaces the resource (CloudFormation's resource
    schemas), following references: what refers to a replaced resource is replaced or modified;
    what becomes of a stateful resource's data, and whether the deploy would fail. The table
    wraps to the terminal and is coloured there (not when piped, nor with NO_COLOR or TERM=dumb).

    \b
    Exit codes: 0 no changes, 2 changes, 3 changes that replace (or may replace)
    or remove a stateful resource, 1 error (bad usage included).
    """
    from generator.review.diff import diff as run_diff

    if deployed and base:
        raise UsageError("--base and --deployed are two different baselines: give one of them")
    workspace = find_workspace(templates_dir)
    import shutil  # here: it imports compression modules, which the other commands do without

    width = shutil.get_terminal_size((100, 24)).columns
    color = styled()  # not when piped, nor with NO_COLOR or TERM=dumb
    if deployed and fleets:
        raise UsageError("--deployed compares environments' stacks; a fleet's deployed stack set is what "
                         "`iotstack deploy --fleet` plans against")  # fmt: skip
    chosen, fleet_list = load_all(workspace, envs, fleets)
    fleet_list = [] if deployed else fleet_list
    text, exit_code = run_diff(chosen, workspace, base, cloud_for if deployed else None, fmt, width, color,
                               fleets=fleet_list)  # fmt: skip
    echo(text, nl=False, color=color)
    raise SystemExit(exit_code)


@click.command("cost")
@envs_option
@fleets_option
@click.option(
    "--format",
    "fmt",
    type=click.Choice(("table", "markdown", "json")),  # generator.cost.report.FORMATS, imported when run
    default="table",
    show_default=True,
    help="table for a terminal, markdown for a pull-request comment, json for machines.",
)
def cost_command(envs: tuple[str, ...], fleets: tuple[str, ...], fmt: str) -> None:  # fmt: skip
    """What each environment (and each site of a fleet, and the fleet in total) costs a month: one row per
    billed item (resource, what is billed, quantity, unit price, amount), from AWS's prices in
    prices/<region>.json (`make prices`) and the environment's [usage] assumptions.

    Without a snapshot for a Region, the quantities show and the line says how to get prices. Aurora
    Serverless v2 shows its floor (minimum capacity all month) and ceiling (maximum) beside the estimate.
    """
    import shutil

    from generator.cost.report import cost

    workspace = find_workspace()
    chosen, fleet_list = load_all(workspace, envs, fleets)
    echo(cost(chosen, fleet_list, workspace, fmt, shutil.get_terminal_size((100, 24)).columns), nl=False)


@click.command()
@envs_option
@click.option("--format", "fmt", type=click.Choice(LINT_FORMATS), default="text", show_default=True,
              help="text, json, or sarif (for code-scanning pages that show findings inline).")  # fmt: skip
@templates_option
def lint(envs: tuple[str, ...], fmt: str, templates_dir: Path | None) -> None:
    """cfn-lint and the policy rules over the committed templates, in cfn-lint's formats.

    \b
    Exit codes: 0 clean, 1 findings, 2 bad usage (e.g. a template file is missing).
    """
    from generator.bootstrap import NAME as BOOTSTRAP
    from generator.lint_report import lint_files
    from generator.rules import RULES

    workspace = find_workspace(templates_dir)
    chosen = {workspace.template(env.name): env for env in load_envs(workspace, envs)}
    missing = [workspace.show(p) for p in chosen if not p.is_file()]
    if missing:
        raise UsageError(f"no template {', '.join(missing)}: run `make template` first")
    sources = None
    if fmt == "sarif":  # each result points at the stack module that builds its resource, too
        from generator.sources import sources as built_by

        sources = {path: built_by(env) for path, env in chosen.items()}
    files = {path: env.region for path, env in chosen.items()}
    if not envs and workspace.template(BOOTSTRAP).is_file():  # every template: the bootstrap stack's too
        files[workspace.template(BOOTSTRAP)] = min(env.region for env in chosen.values())
    if not envs:  # and the fleets', each for the region of its stack set (check lints them for every site's)
        from generator.fleet import load_fleets
        from generator.fleet.settings import ROLES, role_template_name

        for fleet in load_fleets((), workspace.fleets, workspace.environments):
            names = [fleet.template_name, *(role_template_name(fleet.name, role) for role in ROLES)]
            files |= {p: fleet.environment.region for n in names if (p := workspace.template(n)).is_file()}
    report, count = lint_files(files, fmt, sources)
    if report:
        echo(report)
    if count:
        raise SystemExit(1)
    if fmt == "text":  # the machine formats stay as cfn-lint writes them
        names = ", ".join(path.stem for path in files)
        echo(f"lint clean: {len(files)} template(s) ({names}): cfn-lint and {len(RULES)} policy rules")


@click.command("scan")
@click.argument("templates", nargs=-1, type=click.Path(dir_okay=False, exists=True, path_type=Path))
@click.option("--scanners", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Folder holding the checkov and cfripper commands (default: .venv-scan/bin).")  # fmt: skip
def scan_command(templates: tuple[Path, ...], scanners: Path | None) -> None:
    """Run checkov and cfripper over templates (default: templates/*.json); fail on any
    finding that is not suppressed, with its reason, in the resource's Metadata."""
    from generator.errors import ScanError
    from generator.scan import scan, summary

    started = time.perf_counter()
    workspace = find_workspace()
    report = scan(list(templates) or sorted(workspace.templates.glob("*.json")), scanners or workspace.scanners,
                  workspace.cfripper_filters)  # fmt: skip
    echo(f"{summary(report)}, in {time.perf_counter() - started:.1f} s")
    if report.findings:
        raise ScanError(f"{len(report.findings)} unsuppressed scanner finding(s); fix them, or suppress each "
                        "with a reason in the resource's Metadata and list it in docs/SECURITY.md")  # fmt: skip
