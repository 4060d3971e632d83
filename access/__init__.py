"""Who may sign in and what each may see: users, groups, roles, grants, sessions, portal uploads."""
