"""Request and response schemas: ``ThingCreate``/``ThingUpdate``/``ThingRead`` per topic."""
