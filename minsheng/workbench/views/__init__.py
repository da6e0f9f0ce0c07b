"""The staff workbench's pages, one module per area: tasks and cases, the audit trail."""
