terraform {
  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "~> 5.0"
    }
  }
}

provider "aws" {
  region = "eu-west-1"
}

# "cidr_blok": unknown argument of aws_vpc (real hashicorp/aws 5.100.0 from /opt/tf-plugins)
resource "aws_vpc" "main" {
  cidr_blok = "10.0.0.0/16"
}
