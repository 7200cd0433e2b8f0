"""Infrastructure every app uses: settings, database, security, mail, files, jobs, the GOV.UK shell. No domain rules."""
