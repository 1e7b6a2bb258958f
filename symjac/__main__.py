from symjac.entry import main

main()
