from symjac.cli.main import main

main()
