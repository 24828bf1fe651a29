# src/trace — the journal: tracer, sinks, bus, reader, render.
