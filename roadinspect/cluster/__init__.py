"""Survey-scale analysis on a Ray cluster: ``roadinspect analyze ... --ray [ADDRESS]`` (optional extra ``cluster``).

* :mod:`roadinspect.cluster.session`: Ray imported only here, usage statistics off, connect or start.
* :mod:`roadinspect.cluster.worker`: the actor that keeps the model loaded and runs the pipeline's per-photo
  work, refusing weights whose sha256 is not the driver's.
* :mod:`roadinspect.cluster.driver`: the driver, the project's only writer, streaming photos to the actors.

Nothing here is imported by the GUI or by a plain ``analyze``; ``docs/cluster.md`` tells a département's IT
how to start a cluster.
"""
