"""The orchestration layer: Prefect flows around the library, the command line, deployments.

Arranged by job (docs/development.md has the table): ``cli/`` the `lookup` command
line, a module per group of commands; ``research`` and ``reverify`` the two flows;
``panel`` and ``batch`` several runs from one command; ``politeness/`` the limits
every worker shares; ``server`` and ``deployments`` the local Prefect server and what
runs on it; ``runtime`` the process set-up they all share; ``privacy`` forgetting a
person in Prefect.
"""
