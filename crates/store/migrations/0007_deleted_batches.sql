-- Batches that were deleted (DELETE /api/batches/{id}, tiqets-admin delete-batch, retention),
-- with the attempt they were at. Work or status events of that attempt or an earlier one that
-- turn up afterwards (a redelivery after a crash) are ignored instead of bringing the batch
-- back as a row of its own; a pair dropped or uploaded again is processed as a later
-- attempt, which is not.
CREATE TABLE deleted_batches (
    id         text PRIMARY KEY,
    attempt    integer NOT NULL,
    deleted_at timestamptz NOT NULL DEFAULT now()
);
