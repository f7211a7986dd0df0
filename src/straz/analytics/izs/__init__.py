"""Statistics of joint interventions of the IZS (§16(5) of Decree 328/2001): the reader side of incidents."""
