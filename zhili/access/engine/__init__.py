"""Ten-minute service circles: the pure analysis engine (no Django).

network   -- the walking graph (CSR, effective-metre weights) and bounded searches
snapping  -- points onto edges with access legs; points beyond tolerance reported
coverage  -- nearest facility per node and demand point, shares, what-ifs, hot spots
catchment -- per-facility catchments and 2SFCA ratios
siting    -- maximal covering, set covering and p-median, heuristic and exact
"""
