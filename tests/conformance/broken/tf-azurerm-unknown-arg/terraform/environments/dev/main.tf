terraform {
  required_providers {
    azurerm = {
      source  = "hashicorp/azurerm"
      version = "~> 4.0"
    }
  }
}

provider "azurerm" {
  features {}
}

# "locaton": unknown argument of azurerm_resource_group 4.79.0 (served by the tfstub stand-in)
resource "azurerm_resource_group" "main" {
  name    = "rg-demo-dev"
  locaton = "westeurope"
}
