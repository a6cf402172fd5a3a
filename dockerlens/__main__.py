from dockerlens.cli import main

main()
