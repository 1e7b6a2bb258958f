from symjac.cli import main

main()
