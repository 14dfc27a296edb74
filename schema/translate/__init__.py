"""GraphQL face of mail translation: translateMessage and translationReady."""
