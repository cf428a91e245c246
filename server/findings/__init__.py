"""Findings (问题/整改单): what a patrol or inspection found wrong, who fixes it, by when."""
