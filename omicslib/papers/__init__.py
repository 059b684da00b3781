"""One package per paper: ``config`` (profiles), ``reference.csv`` (the paper's values), data
preparation, model(s), protocol (training / CV), analysis (tables and claims) and figures."""
