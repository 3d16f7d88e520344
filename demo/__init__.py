"""The local demo government web and the report renderer (:mod:`demo.render`) that fills it."""
