"""What people read about a plan, pure: plain text for terminals and commits (`plain`),
Markdown for pull requests and job summaries (`markdown`), the rollout table of `status` (`rollout`)."""
