-- Issue floods (docs/processing-rules.md, "Issue floods"): a batch itemises the first
-- issues of each code in each file up to the validator's TIQETS_ISSUE_LIMIT and counts the
-- rest. `issues` and `issue_counts` count every issue; this column says, per file and code,
-- how many were counted but not itemised, as a JSON list of
-- {"file", "code", "count", "limit"}. NULL or [] when every issue is in batch_issues.
ALTER TABLE batches ADD COLUMN issues_not_itemised jsonb;
