"""Pages of the aid app: registers (pedagogue), purchase reports (pedagogue and parent),
monitoring (principal, district). Every protected row comes through `accounts.access`."""
