-- A citizen's grain loads the citizen's bookings when it activates: find them by citizen, not only by venue.

CREATE INDEX bookings_by_citizen ON bookings (citizen_id);
