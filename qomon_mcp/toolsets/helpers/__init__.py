"""What the tool modules share: argument types, views of records, query building, previews, write checks."""
