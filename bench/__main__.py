"""Run every benchmark module in bench/ (each has a main())."""

import importlib
import pkgutil

import bench


def main() -> None:
    for module in sorted(m.name for m in pkgutil.iter_modules(bench.__path__)):
        if module.startswith("_"):
            continue
        print(f"== bench.{module}")
        importlib.import_module(f"bench.{module}").main()


if __name__ == "__main__":
    main()
