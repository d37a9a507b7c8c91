"""One module per rule (or small rule family). Modules are discovered by the registry."""
