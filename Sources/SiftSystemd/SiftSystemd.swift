// systemd integration: sd_notify, journald, socket activation.
