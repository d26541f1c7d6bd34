"""The deterministic demo spaces: `demo.build_demo_spaces`, from people, organisation, forms, activity, fundraising."""
