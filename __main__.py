from .cli import main

main(prog_name="julep-users-double")
