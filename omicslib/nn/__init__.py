"""Neural-network building blocks and losses shared across papers (attention pooling, focal,
contrastive, CLIP and Cox losses)."""
