"""A toy LoRA fine-tune of the embedded model on the user's documents, on a CPU."""
