from controller.cli import program

program()
